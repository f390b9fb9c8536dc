"""The reminder pass's tasks as bits: a unit's open tasks, in the plan's order, from the done
masks the database gives by task id, whatever the order of the ids."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bot.services.reminders.plan import _TaskBits
from bot.services.reminders.rules import DueTask


def _tasks(ids: list[int]) -> list[DueTask]:
    return [DueTask(task_id, f"Task {task_id}", date(2026, 6, 30), 2, 2026) for task_id in ids]


@pytest.mark.parametrize(
    "ids",
    [
        list(range(100, 145)),  # the plan's order is the ids' order: the same bits
        list(range(121, 141)) + list(range(101, 121)),  # this quarter's, then the overdue
        random.Random(7).sample(range(1, 400), 70),  # any order, gaps, several windows
    ],
)
def test_open_tasks_from_done_masks(ids: list[int]) -> None:
    tasks = _tasks(ids)
    bits = _TaskBits(tasks, {})
    base = min(ids)
    convert = bits.from_ids(base)
    assert (convert is None) == (ids == list(range(base, base + len(ids))))
    rng = random.Random(len(ids))
    for _ in range(300):
        done = {task_id for task_id in ids if rng.random() < 0.5}
        by_id = sum(1 << (task_id - base) for task_id in done)
        mask = bits.for_everyone & ~(convert(by_id) if convert else by_id)
        open_tasks, open_ids = bits.tasks_of(mask)
        expected = [task for task in tasks if task.task_id not in done]
        assert open_tasks == expected
        assert open_ids == [task.task_id for task in expected]


def test_audience_narrows_tasks_to_units_and_clusters() -> None:
    tasks = _tasks([1, 2, 3, 4])
    bits = _TaskBits(tasks, {2: [(10, None)], 3: [(None, 7)], 4: [(11, None), (None, 8)]})
    assert bits.narrowed
    assert [t.task_id for t in bits.tasks_of(bits.concerning(10, 7))[0]] == [1, 2, 3]
    assert [t.task_id for t in bits.tasks_of(bits.concerning(11, 9))[0]] == [1, 4]
    assert [t.task_id for t in bits.tasks_of(bits.concerning(12, 8))[0]] == [1, 4]
    assert [t.task_id for t in bits.tasks_of(bits.concerning(12, None))[0]] == [1]
