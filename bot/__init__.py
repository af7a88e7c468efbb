"""Code that is not a custom action: NLU components, channels, scripts."""
