"""Numbers and user IDs as the portal makes and stores them: in capitals (DR260000427,
EN2600001273, UP26000012345, BN000123, DDO000123).

A look-up strips and upper-cases what was typed and matches exactly, on the column's unique
index. `__iexact` would compare UPPER(column), which no index serves: at state scale every
log-in read all 17.8 lakh users and every family look-up all 22 lakh families.
"""


def as_stored(text: str | None) -> str:
    return (text or "").strip().upper()
