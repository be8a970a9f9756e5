"""Case pages: registering a complaint (登记), the case list and the case page with its timeline,
attachments in and out, and the case's documents (文书).
"""
