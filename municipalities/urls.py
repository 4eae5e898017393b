from django.urls import path

from . import views

app_name = "municipalities"

urlpatterns = [
    path("<str:nis_code>/", views.municipality_detail, name="detail"),
]
