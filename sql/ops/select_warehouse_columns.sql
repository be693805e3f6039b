-- Every column of the warehouse's own tables (the schemas sql/ddl creates), so that
-- ml.warehouse.connection.apply_ddl can tell with one query which DDL statements have
-- nothing left to do. Parameters: none; the schemas are listed here.
select table_schema, table_name, column_name
from information_schema.columns
where
    table_catalog = current_database()
    and table_schema in ('raw', 'ml', 'betting', 'ops', 'monitoring')
