"""Early warning: stories, indicators, watch rules, alerts and their delivery."""
