from django.db import models
from django.utils.translation import gettext_lazy as _


class Degurba(models.IntegerChoices):
    """Eurostat's degree of urbanisation (DEGURBA 2014)."""

    CITIES = 1, _("Cities")
    TOWNS_AND_SUBURBS = 2, _("Towns and suburbs")
    RURAL = 3, _("Rural areas")


class TargetType(models.TextChoices):
    OUTCOME = "outcome", _("Outcome target")
    MEANS_OF_IMPLEMENTATION = "means_of_implementation", _("Means of implementation")
