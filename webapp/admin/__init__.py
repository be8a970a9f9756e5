"""Administration pages (系统管理, /admin): diagrams and decision tables, forms, the working calendar,
people, departments and grids, document settings, the SMS gateway. Administrators only.
"""
