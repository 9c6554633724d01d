"""Word lists the synthetic profiles and posts are made of.

Kept international and varied on purpose: a follower scorer must not be able to tell genuine
from bought accounts by the name pool alone.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Maya Liam Noah Emma Olivia Ava Lucas Mia Ethan Sofia Mateo Chloe Leo Amara Aarav Priya "
    "Rohan Ananya Arjun Diya Wei Li Jun Mei Hiroshi Yuki Haruto Sakura Min-jun Seo-yeon Ji-ho "
    "Omar Fatima Yusuf Aisha Hassan Layla Karim Nadia Tariq Zainab Kwame Ama Chidi Ngozi "
    "Tunde Amina Thabo Zanele Kofi Abena Lars Ingrid Sven Astrid Nils Freya Jonas Lena Felix "
    "Clara Paul Marie Luca Giulia Marco Chiara Pablo Lucia Diego Carmen Javier Elena Tomas "
    "Ines Joao Beatriz Rafael Camila Gabriel Valentina Andres Daniela Santiago Isabella Pierre "
    "Camille Louis Manon Hugo Lea Antoine Juliette Ivan Olga Dmitri Anya Pavel Katya Piotr "
    "Zofia Jakub Hanna Mehmet Elif Emre Zeynep Can Selin Avi Noa Eitan Tamar Sam Alex Jordan "
    "Taylor Casey Morgan Riley Jamie Chris Pat Robin Kim Dana Lee Quinn Drew Ben Kate Tom "
    "Sarah Mike Anna David Laura James Emily Daniel Grace Henry Ruth Oscar Nora Adam Eva"
)

LAST_NAMES = _words(
    "Lindqvist Okafor Nakamura Chen Patel Garcia Muller Rossi Silva Kowalski Novak Dubois "
    "Hansen Jensen Berg Ivanova Petrov Yilmaz Kaya Haddad Mansour Mensah Boateng Adeyemi "
    "Nkosi Dlamini Kim Park Lee Tanaka Suzuki Sato Wang Zhang Liu Nguyen Tran Singh Sharma "
    "Gupta Reddy Iyer Fernandes Costa Oliveira Santos Lopez Martinez Rodriguez Hernandez "
    "Gomez Diaz Moreau Laurent Lefebvre Bianchi Romano Ricci Schmidt Schneider Fischer Weber "
    "Wagner Becker Hoffmann Smith Johnson Brown Taylor Wilson Davies Evans Thomas Roberts "
    "Walker Wright Green Hall Wood Clarke Murphy Kelly Byrne Walsh O'Brien Ryan Cohen Levi "
    "Mizrahi Friedman Andersson Johansson Karlsson Nilsson Virtanen Korhonen Horvat Kovacs "
    "Nagy Popescu Ionescu Papadopoulos Georgiou Demir Sahin Abbasi Rahman Hossain Ali Khan"
)

COMPANIES = (
    ("Northwind Analytics", "northwind"),
    ("Brightline Labs", "brightline"),
    ("Fjordsoft", "fjordsoft"),
    ("Quillmark", "quillmark"),
    ("Halcyon Data", "halcyondata"),
    ("Tidewater Cloud", "tidewater"),
    ("Lumen & Loom", "lumenloom"),
    ("Copperleaf", "copperleaf"),
)

JOB_TITLES = (
    "Data engineer", "Product manager", "Developer advocate", "Designer", "Sales lead",
    "Solutions architect", "Marketing", "Customer success", "Backend engineer", "ML engineer",
    "Community manager", "Recruiter", "Analyst", "Head of growth", "SRE",
)  # fmt: skip

LEADER_TITLES = ("CEO", "CTO", "Co-founder", "Chief Product Officer", "VP Engineering")

INTERESTS = (
    "coffee", "running", "open source", "cycling", "jazz", "photography", "climbing",
    "sci-fi", "board games", "cooking", "football", "travel", "books", "gardening", "chess",
    "yoga", "hiking", "film", "podcasts", "data viz", "vinyl", "sourdough", "F1", "tennis",
    "music", "art", "design", "startups", "crypto", "AI", "python", "rust", "gaming", "anime",
)  # fmt: skip

BIO_TEMPLATES = (
    "{title} | {i1} & {i2} | views my own",
    "{i1}, {i2}, {i3}.",
    "{title} at {company}. {i1} on weekends.",
    "Dad of two. {i1} nerd. {city}",
    "Mum, {title_l}, {i1} addict",
    "Trying to get better at {i1}.",
    "{title} • {i1} • {i2}",
    "Living in {city}. Into {i1} and {i2}.",
    "she/her · {title_l} · {i1}",
    "he/him | {i1} | {i2}",
    "Opinions are mine. Retweets aren't endorsements.",
    "Just here for the {i1} takes",
    "{i1} 📷 {i2} ☕",
    "Student. {i1}. {i2}.",
    "Former {title_l}, now {i1} full time",
    "Writing about {i1} and {i2}. Newsletter below 👇",
)  # fmt: skip

# Farms fill a few bios with vague filler so that not every bought account is blank.
BOUGHT_BIOS = (
    "Love life ❤️", "Follow back 💯", "Living my best life", "Dream big ✨", "Just me",
    "Be happy 😊", "Music lover", "Crypto | NFT | Web3", "Entrepreneur 💰", "God first 🙏",
    "Positive vibes only", "Travel ✈️", "DM for promo",
)  # fmt: skip

CITIES = (
    "London", "Berlin", "Lagos", "Nairobi", "Mumbai", "Bengaluru", "Tokyo", "Seoul",
    "São Paulo", "Mexico City", "Toronto", "New York, NY", "San Francisco, CA", "Austin, TX",
    "Paris", "Madrid", "Milano", "Stockholm", "Helsinki", "Warsaw", "Istanbul", "Cairo",
    "Dubai", "Singapore", "Sydney", "Melbourne", "Cape Town", "Accra", "Dublin", "Amsterdam",
    "Lisboa", "Buenos Aires", "Bogotá", "Jakarta", "Manila", "Ho Chi Minh City", "Earth",
    "everywhere", "Remote", "Portland, OR", "Chicago, IL", "Zürich", "Oslo", "Prague",
)  # fmt: skip

NICK_WORDS = (
    "pixel", "coffee", "quiet", "river", "night", "data", "lucky", "north", "blue", "iron",
    "little", "happy", "wild", "sunny", "ghost", "code", "mango", "tiger", "cloud", "paper",
    "rocket", "salty", "cosmic", "lazy", "urban", "retro", "velvet", "echo", "nova", "ember",
)  # fmt: skip

TOPICS = (
    "data pipelines", "dbt models", "observability", "the new dashboard", "pricing",
    "our roadmap", "customer churn", "hiring", "remote work", "incident reviews",
    "open source", "DuckDB", "Airflow", "data quality", "the launch", "onboarding",
    "API limits", "team rituals", "product analytics", "Q3 planning",
)  # fmt: skip

ORIGINAL_TEMPLATES = {
    "brand": (
        "New in {brand}: {topic} just got faster. Read the changelog {link}",
        "We're hiring! Join the team working on {topic} {link}",
        "Customer story: how a retail team cut reporting time in half with {brand} {link}",
        "Live tomorrow: a walkthrough of {topic} with our engineers. Save your seat {link}",
        "Thank you for 10 years of building with us 💙 {link}",
        "Tip of the week: three ways to tame {topic}. #{tag}",
        "Scheduled maintenance tonight 22:00 UTC. Status updates here {link}",
        "What should we build next for {topic}? Tell us below 👇",
    ),
    "leader": (
        "Hard-won lesson: {topic} is a people problem before it's a tooling problem.",
        "Proud of the team for shipping {topic} this week. More soon.",
        "Hot take: most teams don't need more dashboards, they need fewer, trusted ones.",
        "Spoke at a conference today about {topic}. Slides: {link}",
        "We grew 3x this year. Here's what I'd do differently 🧵",
        "Reading list for anyone working on {topic} {link}",
        "If you're thinking about {topic}, my DMs are open.",
    ),
    "employee": (
        "Spent the afternoon untangling {topic}. Worth it.",
        "TIL something neat about {topic} #{tag}",
        "Wrote up how we approach {topic} at work {link}",
        "Friday deploy, what could go wrong 😅",
        "Great chat with customers about {topic} today.",
        "Anyone else fighting with {topic} this week?",
        "Small win: our {topic} tests are finally green ✅",
        "Coffee, {topic}, repeat.",
    ),
}

REPLY_TEMPLATES = (
    "Totally agree.", "Great point — we saw the same with {topic}.", "Thanks for sharing!",
    "Congrats to the whole team 🎉", "Interesting, how did you handle {topic}?",
    "This is the way.", "Happy to help, DM me.", "Ha, been there 😂", "Love this.",
    "Not sure I agree, {topic} depends a lot on scale.", "Bookmarking this.", "💯",
)  # fmt: skip

QUOTE_TEMPLATES = (
    "Worth a read 👇", "This. 👏", "Proud of this team.", "Good thread on {topic}.",
    "We've been saying this for years.", "Big news for anyone working on {topic}",
)  # fmt: skip

TAGS = ("data", "analytics", "dataengineering", "opensource", "startups", "dbt", "python")
