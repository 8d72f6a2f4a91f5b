"""Standard money-column layouts of the national template, by table kind.

Used when a rendering lost the header grid (a broken converter header, a flattened text
dump): the ids printed in the header are put in this order, or, when nothing usable is
printed, the layout is taken as a whole if its width matches the data.
"""

from __future__ import annotations

from schemas import TableKind

# The parts of 财政拨款（补助）小计 in the national 收入表, in printed order.
_FISCAL_SOURCES = [
    "general_public_budget",
    "general_public_transfer",
    "government_fund",
    "government_fund_transfer",
    "state_capital",
    "state_capital_transfer",
]
_REVENUE = [
    "total",
    "fiscal_subtotal",
    *_FISCAL_SOURCES,
    "special_account",
    "unit_funds",
    "fiscal_carryover",
    "nonfiscal_carryover",
]
_SPLIT = ["total", "basic", "project"]
# 部门预算支出经济分类 类 columns of the project expenditure table, in printed order.
ECONOMIC_CLASSES = [
    "econ_301",
    "econ_302",
    "econ_303",
    "econ_307",
    "econ_309",
    "econ_310",
    "econ_311",
    "econ_312",
    "econ_313",
    "econ_399",
]
_SOURCES = ["total", "general_public_budget", "government_fund", "state_capital"]

LAYOUTS: dict[TableKind, list[list[str]]] = {
    TableKind.budget_summary: [["amount"], ["amount"]],
    TableKind.fiscal_summary: [["amount"], _SOURCES],
    TableKind.revenue_summary: [_REVENUE],
    TableKind.expenditure_summary: [_SPLIT],
    TableKind.general_public_expenditure: [_SPLIT],
    TableKind.basic_expenditure: [["total", "personnel", "public_use"]],
    TableKind.project_expenditure: [["total", *ECONOMIC_CLASSES]],
    TableKind.government_fund_expenditure: [["total", "personnel", "public_use", "project"]],
    TableKind.state_capital_expenditure: [["total", "personnel", "public_use", "project"]],
    TableKind.three_public: [_SOURCES],
    TableKind.entrusted_business: [_SOURCES],
    TableKind.carryover: [
        [
            "total",
            "fiscal_subtotal",
            "fiscal_personnel",
            "fiscal_public_use",
            "fiscal_project",
            "nonfiscal_subtotal",
            "nonfiscal_personnel",
            "nonfiscal_public_use",
            "nonfiscal_project",
        ]
    ],
}

# Row identities within a row: total = Σ parts, by kind. Each entry: (whole, parts).
ROW_IDENTITIES: dict[TableKind, list[tuple[str, list[str]]]] = {
    TableKind.revenue_summary: [
        (
            "total",
            ["fiscal_subtotal", "special_account", "unit_funds", "fiscal_carryover", "nonfiscal_carryover"],
        ),
        ("fiscal_subtotal", _FISCAL_SOURCES),
        ("total", ["fiscal_appropriation", "business_income", "operating_income", "other_income"]),
        (
            "total",
            [
                "fiscal_appropriation",
                "superior_subsidy",
                "business_income",
                "operating_income",
                "affiliated_remittance",
                "other_income",
            ],
        ),
    ],
    TableKind.expenditure_summary: [
        ("total", ["basic", "project"]),
        ("total", ["basic", "project", "unit_reserve"]),
        ("total", ["basic", "project", "unit_reserve", "carry_forward"]),
        ("total", ["basic", "project", "remit_superior", "operating_expense", "subsidy_affiliated"]),
    ],
    TableKind.general_public_expenditure: [("total", ["basic", "project"])],
    TableKind.basic_expenditure: [("total", ["personnel", "public_use"])],
    TableKind.project_expenditure: [("total", ECONOMIC_CLASSES)],
    TableKind.government_fund_expenditure: [
        ("total", ["personnel", "public_use", "project"]),
        ("total", ["basic", "project"]),
    ],
    TableKind.state_capital_expenditure: [
        ("total", ["personnel", "public_use", "project"]),
        ("total", ["basic", "project"]),
    ],
    TableKind.fiscal_summary: [("total", ["general_public_budget", "government_fund", "state_capital"])],
    TableKind.three_public: [
        ("total", ["general_public_budget", "government_fund", "state_capital"]),
        ("total", ["three_public_total", "meeting", "training"]),
        ("three_public_total", ["abroad", "reception", "vehicle"]),
        ("vehicle", ["vehicle_purchase", "vehicle_operation"]),
    ],
    TableKind.entrusted_business: [("total", ["general_public_budget", "government_fund", "state_capital"])],
    TableKind.carryover: [
        ("total", ["fiscal_subtotal", "nonfiscal_subtotal"]),
        ("fiscal_subtotal", ["fiscal_personnel", "fiscal_public_use", "fiscal_project"]),
        ("nonfiscal_subtotal", ["nonfiscal_personnel", "nonfiscal_public_use", "nonfiscal_project"]),
    ],
}
