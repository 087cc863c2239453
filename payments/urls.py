from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("pay/return/<uuid:public_id>/", views.payment_return, name="return"),
    path("pay/console/<uuid:public_id>/", views.console_payment, name="console"),
    path("pay/<str:reference>/", views.choose_provider, name="choose"),
    path("receipts/<uuid:public_id>/", views.receipt_detail, name="receipt"),
]
