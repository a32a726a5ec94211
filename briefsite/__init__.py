"""briefsite: policy briefs in Markdown to an accessible static website."""

__version__ = "0.1.0"
