"""The officer's journey: register, add offices, submit, OTP, form, scan, corrections."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.audit.services import actor_from_request
from portal.notify.otp import OtpError
from portal.otp_access import OtpAccess
from portal.ratelimit import client_ip

from . import selectors, services
from .forms import ApplicationForm, NumberForm, OfficeForm, OtpForm, ScanForm
from .models import Application, Status
from .pdf import render_application_form

ACCESS = OtpAccess(
    key="ddo_access",
    find=services.find_for_access,
    send=lambda application, ip: services.send_access_otp(application=application, ip=ip),
    verify=lambda application, code, actor: services.verify_access(application=application, code=code, actor=actor),
    number_form=NumberForm, otp_form=OtpForm,
    not_found=gettext_lazy("No submitted application has this number. Check it on your printed form or SMS."),
    access_template="ddo/access.html", verify_template="ddo/access_verify.html", context_name="application",
    access_view_name="ddo:access", verify_view_name="ddo:access_verify", open_view_name="ddo:application",
)


def _application(request, number: str) -> Application:
    """The application this browser has opened (drafts it created, or after an OTP)."""
    if not ACCESS.allows(request, number):
        raise Http404
    application = Application.objects.filter(number=selectors.stored_number(number)).select_related(
        "district", "department", "treasury").first()
    if application is None:
        raise Http404
    return application


def register(request):
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        if form.is_valid():
            try:
                application = services.start_application(
                    actor=actor_from_request(request), data=form.cleaned_data,
                    token=form.cleaned_data.get("submit_token") or uuid.uuid4(), language=request.LANGUAGE_CODE,
                )
            except services.ApplicationError as exc:
                form.add_error(exc.field, exc.message)
            else:
                if application.status != Status.DRAFT:  # the form posted again after submission
                    messages.info(request, _("Application %(number)s is already submitted; open it with the OTP.")
                                  % {"number": application.number})
                    return redirect(reverse("ddo:access") + f"?number={application.number}")
                ACCESS.allow(request, application.number)
                return redirect("ddo:offices", number=application.number)
    else:
        form = ApplicationForm(initial={"submit_token": uuid.uuid4()})
    return render(request, "ddo/register.html", {"form": form, "step": 1})


def edit(request, number):
    application = _application(request, number)
    if not application.is_editable:
        return redirect("ddo:application", number=application.number)
    form = ApplicationForm(request.POST or None, initial=ApplicationForm.initial_from(application))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_application(actor=actor_from_request(request), application=application,
                                        data=form.cleaned_data)
        except services.ApplicationError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("The details have been saved."))
            return redirect("ddo:offices" if application.status == Status.DRAFT else "ddo:application",
                            number=application.number)
    return render(request, "ddo/register.html", {"form": form, "step": 1, "application": application})


def offices(request, number):
    application = _application(request, number)
    if not application.is_editable:
        return redirect("ddo:application", number=application.number)
    form = OfficeForm(request.POST or None, initial={"district": application.district, "department": application.department})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_office(actor=actor_from_request(request), application=application, data=form.cleaned_data)
        except services.ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Office added. Add another office if you hold charge of more than one, or submit."))
            return redirect("ddo:offices", number=application.number)
    return render(request, "ddo/offices.html", {
        "application": application, "form": form, "offices": application.offices.select_related("district", "department"),
        "step": 2,
    })


@require_POST
def remove_office(request, number, office_id):
    application = _application(request, number)
    try:
        services.remove_office(actor=actor_from_request(request), application=application, office_id=office_id)
    except services.ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("ddo:offices", number=application.number)


@require_POST
def submit(request, number):
    if ACCESS.awaiting(request, number):  # a second click on Submit
        return redirect("ddo:access_verify")
    application = _application(request, number)
    if application.status != Status.DRAFT:
        return redirect("ddo:application", number=application.number)
    try:
        services.submit_application(actor=actor_from_request(request), application=application, ip=client_ip(request))
    except services.ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("ddo:offices", number=application.number)
    except OtpError as exc:
        messages.warning(request, exc.message)
    # From now on the form opens only with the OTP sent to the registered mobile.
    ACCESS.await_otp(request, application.number)
    messages.success(request, _("Application %(number)s is submitted. Note this number. An OTP has been sent to your mobile.")
                     % {"number": application.number})
    return redirect("ddo:access_verify")


def application_detail(request, number):
    application = _application(request, number)
    if application.status == Status.DRAFT:
        return redirect("ddo:offices", number=application.number)
    return render(request, "ddo/application.html", {
        "application": application, "offices": application.offices.select_related("district", "department"),
        "history": selectors.history(application), "scan_form": ScanForm(),
    })


def form_pdf(request, number):
    application = _application(request, number)
    if application.status == Status.DRAFT:
        raise Http404
    services.mark_form_printed(actor=actor_from_request(request), application=application)
    return pdf_response(application)


def pdf_response(application: Application) -> HttpResponse:
    response = HttpResponse(render_application_form(selectors.form_data(application)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{application.number}.pdf"'
    return response


@require_POST
def upload_scan(request, number):
    application = _application(request, number)
    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attach_scan(actor=actor_from_request(request), application=application, upload=form.cleaned_data["scan"])
        except ValidationError as exc:
            form.add_error("scan", exc)
        except services.ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("ddo:application", number=application.number)
        else:
            messages.success(request, _("The scan has been received."))
            return redirect("ddo:application", number=application.number)
    return render(request, "ddo/application.html", {
        "application": application, "offices": application.offices.select_related("district", "department"),
        "history": selectors.history(application), "scan_form": form,
    }, status=400)


@require_POST
def resubmit(request, number):
    application = _application(request, number)
    try:
        services.resubmit(actor=actor_from_request(request), application=application)
    except services.ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your corrected application has been sent to the state cell."))
    return redirect("ddo:application", number=application.number)
