"""`python -m bot` starts the bot."""

from bot.app import main

main()
