"""train.metrics: scores and the KL divergence from the annotators' votes."""

import numpy as np
import pytest

from train.metrics import mean_kl_divergence, score


def test_kl_divergence_is_zero_for_the_vote_shares_and_skips_unvoted_faces():
    votes = np.array([[0.7, 0.3, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]])
    assert mean_kl_divergence(votes, np.array([[0.7, 0.3, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0]])) == 0
    assert mean_kl_divergence(votes, np.full((2, 7), 1 / 7)) > 0.5


def test_score_counts_the_confusion_matrix():
    result = score(np.array([0, 0, 1, 3]), np.array([0, 1, 1, 3]))
    assert result.accuracy == 0.75
    assert result.confusion[0][1] == 1 and result.per_class["angry"]["recall"] == 0.5
    assert result.macro_recall == pytest.approx((0.5 + 1 + 1) / 3, abs=1e-4)
