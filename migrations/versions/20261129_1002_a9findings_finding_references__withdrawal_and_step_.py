"""finding references, withdrawal and step deadlines

Revision ID: a9findings
Revises: a9checklist
Create Date: 2026-11-29 10:02:00

Every finding gets a numbered reference of its own series: nonconformities keep NC-yyyy-nnn, observations
and opportunities for improvement are numbered per year from counters of their own (existing ones by id
order within the year they were raised). A finding logged by mistake can be withdrawn with a reason.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9findings'
down_revision = 'a9checklist'
branch_labels = None
depends_on = None

OLD_STATUSES = "('open', 'plan_submitted', 'plan_returned', 'plan_accepted', 'actions_done', 'reopened', 'closed', 'noted')"
NEW_STATUSES = "('open', 'plan_submitted', 'plan_returned', 'plan_accepted', 'actions_done', 'reopened', 'closed', 'noted', 'withdrawn')"

finding = sa.table(
    'finding',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('raised_on', sa.Date),
    sa.column('ref_series', sa.String),
    sa.column('ref_year', sa.Integer),
    sa.column('ref_seq', sa.Integer),
)
ref_counter = sa.table('ref_counter', sa.column('scope', sa.String), sa.column('value', sa.Integer))


def _backfill():
    """NCs are series NC; observations and OFIs are numbered by id within the year they were raised."""
    bind = op.get_bind()
    bind.execute(finding.update().where(finding.c.kind.in_(['major', 'minor'])).values(ref_series='NC'))
    rows = bind.execute(
        sa.select(finding.c.id, finding.c.kind, finding.c.raised_on)
        .where(finding.c.kind.in_(['observation', 'ofi']))
        .order_by(finding.c.id)
    ).all()
    last = {}
    for row in rows:
        series = 'OBS' if row.kind == 'observation' else 'OFI'
        year = row.raised_on.year
        last[(series, year)] = last.get((series, year), 0) + 1
        bind.execute(
            finding.update()
            .where(finding.c.id == row.id)
            .values(ref_series=series, ref_year=year, ref_seq=last[(series, year)])
        )
    for (series, year), value in last.items():
        scope = f'{series}-{year}'
        done = bind.execute(
            ref_counter.update().where(ref_counter.c.scope == scope).values(value=value)
        ).rowcount
        if not done:
            bind.execute(ref_counter.insert().values(scope=scope, value=value))


def upgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref_series', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('uq_finding_ref_year_seq', type_='unique')
    _backfill()
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.alter_column('ref_series', existing_type=sa.String(length=3), nullable=False)
        batch_op.alter_column('ref_year', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('ref_seq', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            'uq_finding_ref_series_year_seq', ['ref_series', 'ref_year', 'ref_seq']
        )
        batch_op.drop_constraint(batch_op.f('ck_finding_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_finding_status'), f"status IN {NEW_STATUSES}")
        batch_op.drop_constraint(batch_op.f('ck_finding_noted_only_without_ref'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_finding_noted_only_without_ref'),
            "status = 'withdrawn' OR ((kind IN ('major', 'minor')) = (status <> 'noted'))",
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_finding_ref_series_of_kind'),
            "(kind IN ('major', 'minor') AND ref_series = 'NC')"
            " OR (kind = 'observation' AND ref_series = 'OBS') OR (kind = 'ofi' AND ref_series = 'OFI')",
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_finding_withdrawn_with_reason'),
            "(status = 'withdrawn') = (withdrawn_at IS NOT NULL AND withdrawn_reason IS NOT NULL"
            " AND withdrawn_reason <> '')",
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_finding_withdrawn_by_id_user_account'),
            'user_account',
            ['withdrawn_by_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    bind = op.get_bind()
    # withdrawn findings go back to where a mistake was logged: an open NC or a noted observation
    bind.execute(
        sa.text(
            "UPDATE finding SET status = CASE WHEN kind IN ('major', 'minor') THEN 'open' ELSE 'noted' END"
            " WHERE status = 'withdrawn'"
        )
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_finding_withdrawn_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_finding_withdrawn_with_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_finding_ref_series_of_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_finding_noted_only_without_ref'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_finding_noted_only_without_ref'),
            "(kind IN ('major', 'minor')) = (status <> 'noted')",
        )
        batch_op.drop_constraint(batch_op.f('ck_finding_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_finding_status'), f"status IN {OLD_STATUSES}")
        batch_op.drop_constraint('uq_finding_ref_series_year_seq', type_='unique')
        batch_op.alter_column('ref_year', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('ref_seq', existing_type=sa.Integer(), nullable=True)
    # observations and OFIs had no number before; their counters go with it
    bind.execute(
        sa.text("UPDATE finding SET ref_year = NULL, ref_seq = NULL WHERE kind NOT IN ('major', 'minor')")
    )
    bind.execute(sa.text("DELETE FROM ref_counter WHERE scope LIKE 'OBS-%' OR scope LIKE 'OFI-%'"))
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_finding_ref_year_seq', ['ref_year', 'ref_seq'])
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('ref_series')
