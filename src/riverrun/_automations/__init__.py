"""Automations: trigger evaluation (pure), templates, and the actions that firings run."""
