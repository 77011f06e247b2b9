from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "portal.enrolment"
    label = "enrolment"
