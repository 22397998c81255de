"""Stations (驿站): keyword and location lookup of 司机之家、红色驿站、服务区、停车区、维修点."""
