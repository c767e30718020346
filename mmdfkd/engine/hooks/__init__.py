# Copyright (c) mmdfkd contributors. All rights reserved.
from .accuracy_history_hook import AccuracyHistoryHook
from .replay_memory_hook import ReplayMemoryHook
from .sample_visualization_hook import SampleVisualizationHook

__all__ = [
    'AccuracyHistoryHook', 'ReplayMemoryHook', 'SampleVisualizationHook'
]
