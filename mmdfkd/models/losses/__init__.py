# Copyright (c) mmdfkd contributors. All rights reserved.
from .bn_statistics_loss import BNStatisticsLoss
from .js_divergence import JSDivergence
from .logit_discrepancy_loss import LogitDiscrepancyLoss

__all__ = ['BNStatisticsLoss', 'JSDivergence', 'LogitDiscrepancyLoss']
