"""The controlled property vocabulary: dimensions, qualifiers and properties, with their loader.

>>> from autoatlas.vocabulary import load_vocabulary
>>> load_vocabulary().property("roads.driving_side").values
('left', 'right')
"""

from autoatlas.vocabulary.loader import load_vocabulary
from autoatlas.vocabulary.model import (
    DIMENSION_IDS,
    Datatype,
    Dimension,
    Label,
    Property,
    Qualifier,
    QualifierDatatype,
    UnknownVocabularyIdError,
    Vocabulary,
    VocabularyError,
)

__all__ = [
    "DIMENSION_IDS",
    "Datatype",
    "Dimension",
    "Label",
    "Property",
    "Qualifier",
    "QualifierDatatype",
    "UnknownVocabularyIdError",
    "Vocabulary",
    "VocabularyError",
    "load_vocabulary",
]
