"""A test-only password hasher that counts how often it runs: proof that two code paths do the
same expensive work, without timing anything or mocking our code."""

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).calls += 1
        return super().encode(password, salt)  # verify() goes through encode() too
