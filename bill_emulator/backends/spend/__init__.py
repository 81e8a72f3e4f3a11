"""BILL Spend & Expense (`/v3/spend/...`, apiToken auth): users, budgets and members, cards, custom fields,
transactions and reimbursements of one spend company (the `scope` of every record).

S&E objects carry a node `id` (base64 of `Type:number`, e.g. `QnVkZ2V0OjU3OTUzNQ==` = `Budget:579535`)
and a `uuid`; every path parameter and id filter accepts either. `retired` replaces `archived`.
"""
