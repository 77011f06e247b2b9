from django.conf import settings


def portal(request):
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
        "HELPLINE": settings.HELPLINE,
    }
