"""Portal pages escape what administrators type (titles, codes): no stored script."""

from urna_elections.portal import index_page


def test_the_portal_index_escapes_titles_and_codes():
    page = index_page([('x"><script>', "<script>alert(1)</script>")])
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="/p/elections/portal/x&quot;&gt;&lt;script&gt;"' in page
