"""The two instruments staff can start from, in the library's own words (English and
Chinese): a service-quality questionnaire rated 1-5, and a three-column one (minimum,
desired and perceived, 1-9). Staff change them freely before the first answers come in."""

from __future__ import annotations

from typing import Any

SERVICE_QUALITY: dict[str, Any] = {
    "title": "How well does the library serve you?",
    "title_zh": "图书馆的服务如何？",
    "scale": "single",
    "points": 5,
    "asks_group": True,
    "dimensions": [
        (
            "staff",
            "Staff helpfulness",
            "馆员的帮助",
            [
                ("staff1", "Staff are glad to help when I ask.", "我提出请求时，馆员乐于帮助。"),
                ("staff2", "Staff explain things so that I understand.", "馆员的解释清楚易懂。"),
                (
                    "staff3",
                    "Staff know the answer or find someone who does.",
                    "馆员知道答案，或能找到知道答案的人。",
                ),
                ("staff4", "Staff treat me with respect.", "馆员尊重我。"),
            ],
        ),
        (
            "place",
            "Places and conditions",
            "空间与环境",
            [
                (
                    "place1",
                    "I can find a seat that suits the work I came to do.",
                    "我能找到适合自己要做的事的座位。",
                ),
                ("place2", "The library is quiet where I need quiet.", "需要安静的地方足够安静。"),
                ("place3", "The library is clean and comfortable.", "图书馆干净、舒适。"),
                (
                    "place4",
                    "Opening hours fit the times I can come.",
                    "开放时间与我能来的时间相符。",
                ),
            ],
        ),
        (
            "find",
            "Finding information",
            "查找信息",
            [
                (
                    "find1",
                    "The catalogue and search lead me to what I need.",
                    "目录和检索能带我找到所需的资料。",
                ),
                (
                    "find2",
                    "I can reach e-resources from home without trouble.",
                    "我在家也能顺利使用电子资源。",
                ),
                (
                    "find3",
                    "The collections have what my study or work needs.",
                    "馆藏能满足我的学习或工作需要。",
                ),
            ],
        ),
        (
            "know",
            "Knowing the services",
            "了解服务",
            [
                (
                    "know1",
                    "I know which services the library offers.",
                    "我知道图书馆提供哪些服务。",
                ),
                (
                    "know2",
                    "I hear about changes to services in good time.",
                    "服务有变化时，我能及时得知。",
                ),
                ("know3", "I know where to ask when I am stuck.", "遇到困难时，我知道向哪里求助。"),
            ],
        ),
    ],
    "questions": [
        (
            "better",
            "What one thing would make the library better for you?",
            "哪一件事能让图书馆对你更有帮助？",
        ),
    ],
}

THREE_COLUMN: dict[str, Any] = {
    "title": "What do you expect of the library, and what do you get?",
    "title_zh": "你对图书馆有何期望，实际感受如何？",
    "scale": "three",
    "points": 9,
    "asks_group": True,
    "dimensions": [
        (
            "service",
            "The service people give",
            "人员服务",
            [
                ("svc1", "Staff who take my questions seriously.", "认真对待我的问题的馆员。"),
                ("svc2", "Help that fits what I am trying to do.", "切合我实际需要的帮助。"),
                ("svc3", "Staff who are easy to reach when I need them.", "需要时容易找到的馆员。"),
            ],
        ),
        (
            "access",
            "Getting to information",
            "获取信息",
            [
                (
                    "acc1",
                    "Online resources I can use from wherever I work.",
                    "在任何工作地点都能使用的在线资源。",
                ),
                ("acc2", "A website that makes things easy to find.", "便于查找的网站。"),
                (
                    "acc3",
                    "The books and journals my work depends on.",
                    "我的工作所依赖的图书和期刊。",
                ),
            ],
        ),
        (
            "space",
            "The library as a place",
            "图书馆空间",
            [
                ("spc1", "Space that helps me concentrate.", "有助于专注的空间。"),
                ("spc2", "Places to work together with others.", "与他人合作的场所。"),
                ("spc3", "A welcoming place to study.", "令人愿意前来学习的地方。"),
            ],
        ),
    ],
    "questions": [
        (
            "comment",
            "Is there anything else you would like to tell the library?",
            "还有什么想告诉图书馆的吗？",
        ),
    ],
}

STARTERS: dict[str, dict[str, Any]] = {"service": SERVICE_QUALITY, "three": THREE_COLUMN}
