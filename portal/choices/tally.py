"""Counting a question's answers: pure functions over ballots, no database.

A ballot is the options a person put in order (their first choice first), with a weight: 1 for
an answer given online, the count staff entered for an answer "from the desk". A "pick one"
ballot holds one option. Rankings may be partial: a person ranks at least their first choice
and may leave the rest unranked.

- Borda count, the classic variant: with n options, a ballot gives n - 1 points to its first
  choice, n - 2 to its second, and so on; options a partial ballot leaves unranked get 0.
- Instant runoff: each round, every ballot counts for its highest-ranked option still in the
  race; an option with more than half of the ballots still counting wins. Otherwise the option
  with the fewest votes is out. A tie for last place is broken by the earlier rounds (the one
  with fewer votes in the round before is out, and so back to the first round), then by the
  lower Borda score, then by the order of the options on the question (the later one is out).
  A ballot whose ranked options are all out is exhausted and counts no more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

Ballot = tuple[tuple[int, ...], int]  # (option ids in order, weight)


@dataclass
class Round:
    """One round of an instant runoff: votes per option still in the race, the ballots that
    no longer count, and who left the race (None in the round that found a winner)."""

    votes: dict[int, int]
    exhausted: int
    eliminated: int | None = None
    tie_broken: bool = False


@dataclass
class Runoff:
    winner: int | None
    rounds: list[Round] = field(default_factory=list)


def plurality(options: Sequence[int], ballots: Sequence[Ballot]) -> dict[int, int]:
    """Votes per option, counting each ballot's first choice (a "pick one" answer)."""
    counts = dict.fromkeys(options, 0)
    for ranking, weight in ballots:
        if ranking and ranking[0] in counts:
            counts[ranking[0]] += weight
    return counts


def borda(options: Sequence[int], ballots: Sequence[Ballot]) -> dict[int, int]:
    """Borda points per option (n - 1 for a first choice down to 0; unranked get 0)."""
    n = len(options)
    points = dict.fromkeys(options, 0)
    for ranking, weight in ballots:
        for place, option in enumerate(ranking):
            if option in points:
                points[option] += (n - 1 - place) * weight
    return points


def _loser(
    standing: list[int], rounds: list[Round], scores: dict[int, int], order: dict[int, int]
) -> tuple[int, bool]:
    """The option that leaves the race, and whether a tie had to be broken."""
    current = rounds[-1].votes
    fewest = min(current[o] for o in standing)
    tied = [o for o in standing if current[o] == fewest]
    if len(tied) == 1:
        return tied[0], False
    for earlier in reversed(rounds[:-1]):
        low = min(earlier.votes[o] for o in tied)
        tied = [o for o in tied if earlier.votes[o] == low]
        if len(tied) == 1:
            return tied[0], True
    low = min(scores[o] for o in tied)
    tied = [o for o in tied if scores[o] == low]
    return max(tied, key=lambda o: order[o]), True


def instant_runoff(options: Sequence[int], ballots: Sequence[Ballot]) -> Runoff:
    """The instant-runoff winner and every round (see the module's rules)."""
    standing = list(options)
    order = {o: i for i, o in enumerate(options)}
    scores = borda(options, ballots)
    result = Runoff(winner=None)
    if not any(weight for _ranking, weight in ballots):
        return result
    while standing:
        votes = dict.fromkeys(standing, 0)
        exhausted = 0
        for ranking, weight in ballots:
            top = next((o for o in ranking if o in votes), None)
            if top is None:
                exhausted += weight
            else:
                votes[top] += weight
        result.rounds.append(Round(votes, exhausted))
        counting = sum(votes.values())
        leader = max(standing, key=lambda o: (votes[o], -order[o]))
        if len(standing) == 1 or (counting and votes[leader] * 2 > counting):
            result.winner = leader
            return result
        out, broken = _loser(standing, result.rounds, scores, order)
        result.rounds[-1].eliminated, result.rounds[-1].tie_broken = out, broken
        standing.remove(out)
    return result  # pragma: no cover - the loop returns once one option is left
