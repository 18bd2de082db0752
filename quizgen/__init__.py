"""quizgen: spaced-repetition quizzes from facts in research-paper abstracts."""

__version__ = "0.1.0"
