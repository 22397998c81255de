"""The web view's tables (its pages and routes live in bot.web)."""
