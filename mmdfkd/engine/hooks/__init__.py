# Copyright (c) mmdfkd contributors. All rights reserved.
from .accuracy_history_hook import AccuracyHistoryHook
from .fast_path_hook import FastPathHook, describe_path
from .replay_memory_hook import ReplayMemoryHook
from .sample_visualization_hook import SampleVisualizationHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = [
    'AccuracyHistoryHook', 'FastPathHook', 'ReplayMemoryHook',
    'SampleVisualizationHook',
    'WeightsOnlyCheckpointHook', 'describe_path'
]
