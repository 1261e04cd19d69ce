"""The landing bucket by hand: one small reference snapshot (stores, SKUs, order lines) and objects put as
text."""

from __future__ import annotations

from top_items import settings

D = "2026-11-25"
REFERENCE_DAY = "2026-11-20"  # in force on every feed date of these tests
STORES = ("store_id,store_name,market_id,license_type,email,salesforce_account_id\n"
          'S0001,"Corner Beer, Wine & More",M01,full_liquor,a@example.com,001A\n'
          "S0002,Harbor Liquors,M01,beer_wine,b@example.com,001B\n")
SKUS = ("sku_id,name,brand,category,is_liquor,volume_ml,season_start_month,season_end_month,price\n"
        "K1,Seltzer,Polar,seltzer,false,355,,,19.99\n"
        + "".join(f"K{n},Item {n},Brand,beer,false,355,,,9.99\n" for n in range(2, 15)))
ORDER_LINES = "order_id,order_date,store_id,sku_id,units,revenue\nO1,2026-11-20,S0001,K1,2,39.98\n"


def put(s3, key: str, text: str | bytes, bucket: str = settings.LANDING_BUCKET) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode() if isinstance(text, str) else text)


def put_reference(s3, snapshot_date: str = D, stores: str = STORES) -> None:
    for table, body in (("stores", stores), ("skus", SKUS), ("order_lines", ORDER_LINES)):
        put(s3, settings.reference_key(table, snapshot_date), body)
