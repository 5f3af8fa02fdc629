"""reproduce.accuracy: the comparisons claims share."""


def test_worst_case_lead_over_seeds():
    """The lead of a run that must win, at the worst case over seeds: it counts only if every seed converged, the
    other at the mean of its converged seeds; a run that never converged ranks below every converged one."""
    import math

    from reproduce.accuracy import worst_case_lead
    assert worst_case_lead(92.0, 90.5) == 1.5
    assert worst_case_lead(92.0, "n/c/90.0/88.0") == 3.0      # the rival at its converged seeds' mean, 89
    assert worst_case_lead(92.0, "n/c") == math.inf           # a rival that never converged
    assert worst_case_lead("n/c/99.0", 10.0) == -math.inf     # one seed of ours did not converge
    assert worst_case_lead("n/c", "n/c") == -math.inf
