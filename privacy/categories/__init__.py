"""Privacy's own data categories (privacy.py), registered by privacy/personal_data.py.

Every other app declares its categories in its own `<app>/personal_data.py`.
"""
