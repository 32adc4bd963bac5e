"""Aktivitetsplan för sociala medier: the plan, its approval flow and evaluations."""
