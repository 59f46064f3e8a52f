"""The local web app (presentation only): ``detente serve``."""
