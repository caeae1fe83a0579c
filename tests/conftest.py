"""Project test configuration: the graded suites' fixtures come from cnn-backprop's plugin."""

pytest_plugins = ["cnn_backprop.pytest_plugin"]
