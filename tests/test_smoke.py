from tests.conftest import login


def test_dashboard_after_login_is_vietnamese(client, orgdata):
    login(client, orgdata.admin)
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page
