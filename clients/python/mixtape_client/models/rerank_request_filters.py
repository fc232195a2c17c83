from enum import StrEnum


class RerankRequestFilters(StrEnum):
    APPLY = "apply"
    FLAG = "flag"

    def __str__(self) -> str:
        return str(self.value)
