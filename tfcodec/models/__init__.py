"""The zoo's model families, one module each, all behind `CompressionModel`."""

from tfcodec.models.base import CompressionModel
from tfcodec.models.comcnn import ComCNN, ComCNNFull
from tfcodec.models.factorized import FactorizedPrior
from tfcodec.models.hyperprior import GainHyperprior, ScaleHyperprior

__all__ = ["ComCNN", "ComCNNFull", "CompressionModel", "FactorizedPrior",
           "GainHyperprior", "ScaleHyperprior"]
