from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    """What a partner is; government bodies come first wherever partners are listed."""

    GOVERNMENT = "government", _("Flemish government")
    BOARD_ORGANISATION = "board_organisation", _("Advisory board organisation")
    PROVINCE = "province", _("Province")
    OTHER = "other", _("Other partner")


# The order partners are listed in: the government first (the parliamentary question asks
# how the Flemish government is involved), then the board's organisations, the provinces.
KIND_ORDER = [
    PartnerKind.GOVERNMENT,
    PartnerKind.PROVINCE,
    PartnerKind.BOARD_ORGANISATION,
    PartnerKind.OTHER,
]
