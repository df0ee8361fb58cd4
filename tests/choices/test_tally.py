"""Borda and instant runoff against examples counted by hand (see portal/choices/tally.py for
the rules): several rounds, partial rankings that run out, ties and how they are broken."""

from __future__ import annotations

from portal.choices.tally import borda, instant_runoff, plurality

A, B, C, D = 1, 2, 3, 4
# 14 ballots: A leads on first choices, B on Borda points, C wins the runoff.
ELECTION = [((A, B, C), 5), ((B, C, A), 4), ((C, B, A), 3), ((D, C, B), 2)]


def test_plurality_counts_first_choices_with_their_weights():
    assert plurality([A, B, C, D], ELECTION) == {A: 5, B: 4, C: 3, D: 2}


def test_borda_gives_n_minus_1_points_down_to_0():
    # n = 4: 3, 2, 1, 0 points. A: 15+4+3, B: 10+12+6+2, C: 5+8+9+4, D: 6.
    assert borda([A, B, C, D], ELECTION) == {A: 22, B: 30, C: 26, D: 6}


def test_borda_gives_options_left_unranked_nothing():
    # A partial ballot (B) counts 3 for B and nothing for the rest.
    assert borda([A, B, C, D], [((B,), 1), ((A, C), 2)]) == {A: 6, B: 3, C: 4, D: 0}


def test_instant_runoff_takes_three_rounds_and_moves_votes_on():
    result = instant_runoff([A, B, C, D], ELECTION)
    assert [r.votes for r in result.rounds] == [
        {A: 5, B: 4, C: 3, D: 2},
        {A: 5, B: 4, C: 5},  # D's two ballots go to C
        {A: 5, C: 9},  # B's four go to C: 9 of 14 is a majority
    ]
    assert [r.eliminated for r in result.rounds] == [D, B, None]
    assert result.winner == C
    assert not any(r.tie_broken for r in result.rounds)


def test_instant_runoff_wins_at_once_with_a_majority_of_first_choices():
    result = instant_runoff([A, B], [((A,), 3), ((B,), 2)])
    assert result.winner == A and len(result.rounds) == 1


def test_instant_runoff_breaks_a_tie_by_the_earlier_rounds():
    ballots = [((A,), 6), ((B,), 4), ((C,), 3), ((D, C), 1)]
    result = instant_runoff([A, B, C, D], ballots)
    # Round 2: B and C both 4; in round 1 C had 3 to B's 4, so C is out.
    assert result.rounds[1].votes == {A: 6, B: 4, C: 4}
    assert result.rounds[1].eliminated == C and result.rounds[1].tie_broken
    # C's ballots name nothing else: four ballots no longer count, and A has 6 of 10.
    assert result.rounds[2].votes == {A: 6, B: 4} and result.rounds[2].exhausted == 4
    assert result.winner == A


def test_instant_runoff_breaks_a_first_round_tie_by_borda_then_by_the_list():
    # A and B tie on first choices and on Borda points: the later on the list (B) is out.
    ballots = [((A,), 2), ((B,), 2), ((C,), 3)]
    result = instant_runoff([A, B, C], ballots)
    assert result.rounds[0].eliminated == B and result.rounds[0].tie_broken
    assert result.rounds[1].votes == {A: 2, C: 3} and result.rounds[1].exhausted == 2
    assert result.winner == C  # 3 of the 5 ballots still counting
    # With B's voters putting B before A second, B has more Borda points and A is out.
    ballots = [((A,), 2), ((B, A), 2), ((C, B), 3)]
    assert instant_runoff([A, B, C], ballots).rounds[0].eliminated == A


def test_instant_runoff_has_no_winner_without_ballots():
    result = instant_runoff([A, B, C], [])
    assert result.winner is None and result.rounds == []


def test_desk_weights_count_as_that_many_ballots():
    weighted = instant_runoff([A, B, C, D], ELECTION)
    spread = [(r, 1) for r, w in ELECTION for _ in range(w)]
    assert instant_runoff([A, B, C, D], spread) == weighted
    assert borda([A, B, C, D], spread) == borda([A, B, C, D], ELECTION)
