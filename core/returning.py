"""DELETE … RETURNING, the one statement of a work queue's claim that the ORM cannot say."""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import NotSupportedError, connections


def delete_returning(queryset, fields):
    """Delete the rows `queryset` selects and return `fields` of each, in one statement:

        DELETE FROM <table> WHERE <queryset's condition> AND <pk> IN (<queryset>)
        RETURNING <columns>

    The ORM cannot delete a sliced queryset (a batch) nor say RETURNING: through it a
    queue's claim (lock the due rows skip-locked, delete them, keep their values) is a
    SELECT and then a DELETE of the keys it read, an IN list as long as the rows; here
    it is one statement. Only the frame is written by hand:
    - the subquery is `queryset` itself, filtered, ordered, sliced and locked as the
      caller built it, compiled by the ORM (`select_for_update(skip_locked=True)` is
      left out by Django where the backend has no row locks: on SQLite every write
      transaction holds the one write lock);
    - its condition, when it joins no other table, is repeated outside, compiled by the
      ORM as well, so that PostgreSQL finds the rows to delete through the same index
      instead of scanning the table (the statement 2.4–3.2 ms against 23–24 ms for
      1,000 of 89,000 rows, bench/moderation_sweep.py);
    - the table and column names come from the model's _meta, quoted by the backend;
      every value is a parameter.
    The rows come back as tuples in no particular order, each value converted as the
    ORM converts its column (SQLite's datetimes). PostgreSQL and SQLite ≥ 3.35 run the
    same statement; other backends get NotSupportedError."""
    connection = connections[queryset.db]
    if not connection.features.can_return_columns_from_insert:
        raise NotSupportedError(
            "DELETE … RETURNING needs PostgreSQL or SQLite 3.35 or later "
            f"(this is {connection.display_name})."
        )
    opts = queryset.model._meta
    quote = connection.ops.quote_name
    columns = [opts.get_field(name) for name in fields]
    compiler = queryset.values_list("pk").query.get_compiler(using=queryset.db)
    try:
        subquery, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    query = compiler.query
    condition, outer_params = "", []
    if sum(query.alias_refcount[alias] > 0 for alias in query.alias_map) == 1:
        # On the model's own columns (no join): the same condition holds outside.
        try:
            condition, outer_params = compiler.compile(query.where)
            condition = f"{condition} AND "
        except FullResultSet:
            pass
    returning = ", ".join(quote(field.column) for field in columns)
    sql = (
        f"DELETE FROM {quote(opts.db_table)} WHERE {condition}"
        f"{quote(opts.pk.column)} IN ({subquery}) RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*outer_params, *params))
        rows = cursor.fetchall()
    converters = compiler.get_converters([field.get_col(opts.db_table) for field in columns])
    if not converters:
        return rows
    return [tuple(row) for row in compiler.apply_converters(rows, converters)]
