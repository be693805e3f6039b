-- Run once by the postgres image when its data volume is first created (docker-compose.yml):
-- Airflow's metadata database beside the warehouse (POSTGRES_DB).
create database airflow;
