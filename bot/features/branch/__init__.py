"""Branch and members: /支部, /书记, /部门, /登记, /认定, /档案 — one matcher, dispatch inside."""
