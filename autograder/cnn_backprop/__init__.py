"""cnn-backprop: an auto-graded homework on backpropagation through 1-D conv and max-pooling.

Data flows one way: ``solutions/reference.py`` (spec) -> ``tests/public`` and ``tests/hidden``
(graded suites) -> ``cnn-backprop build`` (handout, autograder zip) -> ``cnn-backprop grade``
(sandboxed grading) -> ``results.json`` (Gradescope's format, through Otter's results classes).
"""

__version__ = "0.1.0"
