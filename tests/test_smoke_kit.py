async def test_server_answers_health(urna_server):
    client = urna_server.client()
    response = await client.get("/-/health")
    assert response.status_code == 200
    assert response.json()["appliance_key"] == urna_server.services.fingerprint
