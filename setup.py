"""The C part of the build; everything else about the package is in pyproject.toml.

scanner/_ngram.c counts the model's n-grams and sums its weights exactly
(see scanner/features.py).  It is optional: where no C compiler is present
the install still succeeds and the scanner counts with numpy, to the same
results, about half as fast end to end.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("scanner._ngram", sources=["scanner/_ngram.c"], optional=True)])
