"""The route manifest, ``manifest.json``: installed as ``learnomy.audit`` (package
data), so ``learnomy audit`` finds it wherever learnomy is installed."""
