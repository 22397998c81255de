"""The bot's features, one folder per area, framework-neutral: models, rules, services, texts, commands, flows."""
