def test_fixture_account_is_compliant(account):
    assert account.problems() == []
