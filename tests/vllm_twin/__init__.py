"The CPU twin tier (make test-vllm): a package, so its conftest does not shadow tests/conftest.py."
