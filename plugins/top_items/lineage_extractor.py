"""The OpenLineage extractor for the ``@task`` tasks: a task's inputs and outputs are the inlets and outlets it
declares from the lineage graph (assets.py), every one of them.

The provider converts an Asset only when a provider knows its URI scheme (postgres, s3, ...); an API consumer's
asset (``https://host/Top_Item__c``) would be dropped, and a push would seem to write nothing. Here such an asset
becomes the dataset OpenLineage's naming rule gives any URI: namespace ``scheme://authority``, name the path.
Registered through ``[openlineage] extractors`` (world/stack.py).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from airflow.providers.openlineage.extractors.base import BaseExtractor, OperatorLineage
from airflow.providers.openlineage.utils.utils import translate_airflow_asset
from openlineage.client.event_v2 import Dataset


def dataset(asset) -> Dataset:
    converted = translate_airflow_asset(asset, None)
    if converted is not None:
        return converted
    parts = urlsplit(asset.uri)
    return Dataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path.lstrip("/") or "/")


class DeclaredLineageExtractor(BaseExtractor):
    @classmethod
    def get_operator_classnames(cls) -> list[str]:
        return ["_PythonDecoratedOperator"]

    def _execute_extraction(self) -> OperatorLineage:
        return OperatorLineage(inputs=[dataset(asset) for asset in self.operator.inlets],
                               outputs=[dataset(asset) for asset in self.operator.outlets])
