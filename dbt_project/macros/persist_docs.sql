{#- dbt's persist_docs, in one statement batch per relation. dbt's own (the default and the
    duckdb and postgres adapters alike) asks the warehouse for the relation's columns twice and
    sends the relation's comment and the columns' comments as two queries: four round trips
    through dbt's adapter per model, each with its events, a third of a table model's time on
    DuckDB (docs/performance.md). The same comments and the same warning for a documented column
    the relation lacks, in one query, after one lookup of the columns (none for a model whose
    contract is enforced: dbt has checked its columns against the documented ones). -#}

{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
    {{ plpred_persist_docs(relation, model, for_relation, for_columns, duckdb_escape_comment) }}
{%- endmacro %}

{% macro postgres__persist_docs(relation, model, for_relation, for_columns) -%}
    {{ plpred_persist_docs(relation, model, for_relation, for_columns, postgres_escape_comment) }}
{%- endmacro %}

{% macro plpred_persist_docs(relation, model, for_relation, for_columns, escape_comment) -%}
    {%- set statements = [] -%}
    {%- if for_relation and config.persist_relation_docs() and model.description -%}
        {%- do statements.append(alter_relation_comment(relation, model.description) | trim) -%}
    {%- endif -%}
    {%- if for_columns and config.persist_column_docs() and model.columns -%}
        {%- if model.config.contract.enforced -%}
            {#- dbt has just checked the relation's columns against these: no lookup. -#}
            {%- set documented = model.columns -%}
        {%- else -%}
            {%- set existing = adapter.get_columns_in_relation(relation) | map(attribute="name") | list -%}
            {%- set documented = validate_doc_columns(relation, model.columns, existing) -%}
        {%- endif -%}
        {%- for name, column in documented.items() -%}
            {%- set quoted = adapter.quote(name) if column["quote"] else name -%}
            {%- do statements.append(
                "comment on column " ~ relation ~ "." ~ quoted ~ " is "
                ~ (escape_comment(column["description"]) | trim) ~ ";"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if statements -%}
        {%- do run_query(statements | join("\n")) -%}
    {%- endif -%}
{%- endmacro %}
