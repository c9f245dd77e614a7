"""Extensions of Learnomy, installed as ``learnomy.extensions``."""
