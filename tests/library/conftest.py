import pytest

from pilots.models import EarlierProcess


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The assertions read the English msgids; the nb and nn catalogs translate them.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def processes(cast):
    """Three of Harstad's earlier processes and one of Tromsø's."""
    return {
        "intake": EarlierProcess.objects.create(
            municipality=cast.municipality,
            year=2023,
            title="Inntak ved voksenopplæringen",
            service_area="Oppvekst",
            outcome_category=EarlierProcess.Outcome.COMPLETED,
            outcome="Kortere ventetiden fra søknad til oppstart for nye elever.",
            lessons_learned="Gevinstene ble aldri dokumentert som realisert.",
        ),
        "medicine": EarlierProcess.objects.create(
            municipality=cast.municipality,
            year=2019,
            title="Legemiddelhåndtering i hjemmetjenesten",
            service_area="Helse og omsorg",
            outcome_category=EarlierProcess.Outcome.PARTLY,
            outcome="Færre avvik ved utdeling av multidose.",
            lessons_learned="Uten fast tavlemøte gled rutinene tilbake.",
        ),
        "building": EarlierProcess.objects.create(
            municipality=cast.municipality,
            year=2020,
            title="Saksgang for byggesøknader",
            service_area="Teknisk",
            outcome_category=EarlierProcess.Outcome.STOPPED,
            outcome="Saksbehandlingstiden gikk ned fra sju til fire uker.",
        ),
        "tromso": EarlierProcess.objects.create(
            municipality=cast.other_municipality,
            year=2023,
            title="Ventetid på legevakten i Tromsø",
            service_area="Helse og omsorg",
            outcome="Ventetiden halvert.",
        ),
    }
